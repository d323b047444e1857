import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { PartyRegistrationDto, ProjectDto } from '@bangbang/shared';
import { AppPage, PageState, firstLoad, useLoader } from '../../../components';
import { myPartyRegistration, myProjects } from '../../../services/endpoints';
import { projectStatusLine, projectWhen } from '../../../services/project-labels';
import '../projects.css';

interface Loaded {
  registration: PartyRegistrationDto | null;
  projects: ProjectDto[];
}

async function load(): Promise<Loaded> {
  const [reg, mine] = await Promise.all([myPartyRegistration(), myProjects()]);
  return { registration: reg.registration, projects: mine.items };
}

/**
 * 社区项目: the projects (民生实事) of the community where the person reported through 双报到 and of the one where
 * they live, with their own claim. Claiming needs 双报到 (or being a volunteer of the community): the banner says so
 * and leads to the form.
 */
export default function Projects() {
  const data = useLoader(load, [], { refreshOnShow: true });
  const reg = data.data?.registration ?? null;
  const projects = data.data?.projects ?? [];
  return (
    <AppPage className='projects'>
      <PageState {...firstLoad(data)}>
        <View className='projects__banner'>
          {reg ? (
            <>
              <Text className='projects__banner-title'>{`已双报到：${reg.community.name}`}</Text>
              <Text className='projects__detail'>{`工作单位：${reg.workplace}${reg.workplacePartyOrg ? `（${reg.workplacePartyOrg}）` : ''}`}</Text>
            </>
          ) : (
            <>
              <Text className='projects__banner-title'>在职党员请先双报到</Text>
              <Text className='projects__detail'>到居住的社区/村报到后，就可以认领社区的项目，参加的时长计入志愿服务时长。</Text>
            </>
          )}
          <Button className='projects__register' size='small' fill='outline' onClick={() => void Taro.navigateTo({ url: '/pages/projects/register/index' })}>
            {reg ? '修改双报到' : '去双报到'}
          </Button>
        </View>
        {projects.length === 0 && <Text className='projects__banner projects__detail projects__none'>社区暂时没有项目。</Text>}
        {projects.map((p) => (
          <View key={p.id} className='projects__card' onClick={() => void Taro.navigateTo({ url: `/pages/projects/project/index?id=${p.id}` })}>
            <Text className='projects__title'>{p.title}</Text>
            <Text className='projects__line'>{`${p.community.name} · ${projectWhen(p)}`}</Text>
            <Text className='projects__line'>{p.address}</Text>
            <Text className='projects__status'>{projectStatusLine(p)}</Text>
          </View>
        ))}
      </PageState>
    </AppPage>
  );
}
